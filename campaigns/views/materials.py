"""Handout pages: the material library, a material's page, the translator's editor and the
diff between editions.

Views only translate between HTTP and the services: anything outside the user's scope is
404, a role that does not allow the action is 403 (the services raise NotAllowed),
and a refused save keeps what the user typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaigns.errors import StaleEdit
from campaigns.forms.materials import (
    BlockAddForm,
    BlockForm,
    CommentForm,
    MaterialFilterForm,
    MaterialForm,
    ReturnForm,
)
from campaigns.forms.versions import version_posted
from campaigns.models import BlockComment, EditionBlock, Material, MaterialEdition
from campaigns.selectors import materials as selectors
from campaigns.selectors.org import own_unit
from campaigns.selectors.regions import region_names_bo_unreviewed_count
from campaigns.services import materials as services
from campaigns.views.errors import refusal_said, service_errors_shown
from portal.access import is_native_reader, visible_to

MATERIALS_PER_PAGE = 25
STOCK_TEMPLATE = "materials/_stock.html"


def _visible_edition(user, pk: int) -> MaterialEdition:
    try:
        return selectors.edition_for_user(user=user, edition_id=pk)
    except MaterialEdition.DoesNotExist:
        raise Http404 from None


def _visible_block(user, pk: int) -> EditionBlock:
    try:
        return (
            visible_to(user, EditionBlock).select_related("edition__material__org_unit").get(pk=pk)
        )
    except EditionBlock.DoesNotExist:
        raise Http404 from None


def _editor_url(edition_id: int, block_id: int | None = None) -> str:
    url = reverse("edition_editor", args=[edition_id])
    return f"{url}#block-{block_id}" if block_id else url


@login_required
def material_list(request):
    user = request.user
    form = MaterialFilterForm(request.GET)
    form.is_valid()  # an invalid filter is left out; cleaned_data keeps the valid ones
    filters = form.cleaned_data
    materials = selectors.material_list(
        user=user,
        topic=filters.get("topic", ""),
        kind=filters.get("kind", ""),
        status=filters.get("status", ""),
        search=filters.get("q", "").strip(),
    )
    page = Paginator(materials, MATERIALS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for material in page.object_list:
        material.latest_status_label = (
            MaterialEdition.Status(material.latest_status).label if material.latest_status else ""
        )
    return render(
        request,
        "materials/list.html",
        {
            "page": page,
            "form": form,
            "filtered": any(filters.values()),
            "may_add": selectors.material_units_editable(user=user).exists(),
            # Native readers review regions' Tibetan names too; the link says how many wait.
            "native_reader": is_native_reader(user),
            "region_names_unreviewed": region_names_bo_unreviewed_count()
            if is_native_reader(user)
            else 0,
        },
    )


@login_required
def material_create(request):
    user = request.user
    units = selectors.material_units_editable(user=user).order_by("path")
    default_unit = own_unit(user=user, action="material.edit")
    if default_unit is None:
        raise PermissionDenied
    form = MaterialForm(request.POST or None, org_units=units, initial={"org_unit": default_unit})
    if request.method == "POST" and form.is_valid():
        try:
            material = services.material_create(user=user, **form.cleaned_data)
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            messages.success(request, _("The handout was added. Write its first edition now."))
            edition = material.editions.get()
            return redirect("edition_editor", pk=edition.pk)
    return render(request, "materials/form.html", {"form": form})


def _stock_context(user, material: Material) -> dict:
    """The print runs' stock box of the material page, once the print-run pages exist."""
    try:
        get_template(STOCK_TEMPLATE)
        from campaigns.selectors.print_runs import print_runs_context
    except (ImportError, TemplateDoesNotExist):
        return {}
    return {"stock_template": STOCK_TEMPLATE, **print_runs_context(user=user, material=material)}


@login_required
def material_detail(request, pk: int):
    try:
        page = selectors.material_page(user=request.user, material_id=pk)
    except Material.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "materials/detail.html",
        {
            "page": page,
            "material": page.material,
            **_stock_context(request.user, page.material),
        },
    )


def _render_editor(
    request,
    edition_id: int,
    *,
    bound: BlockForm | None = None,
    bound_block=None,
    conflict: EditionBlock | None = None,
):
    """The editor; ``bound`` is a refused form of ``bound_block`` shown with what the user
    typed and why; ``conflict``: the block as saved meanwhile, when someone saved first."""
    try:
        page = selectors.editor_page(user=request.user, edition_id=edition_id)
    except MaterialEdition.DoesNotExist:
        raise Http404 from None
    for block in page.blocks:
        if bound is not None and block.pk == bound_block.pk:
            block.form = bound
            block.conflict = conflict
        else:
            block.form = BlockForm(
                initial={
                    "kind": block.kind,
                    "text_zh": block.text_zh,
                    "text_bo": block.text_bo,
                    "version": block.version,
                },
                auto_id=f"id_b{block.pk}_%s",
            )
        block.comment_form = CommentForm(auto_id=f"id_c{block.pk}_%s")
    return render(
        request,
        "materials/editor.html",
        {
            "page": page,
            "edition": page.edition,
            "add_form": BlockAddForm(),
            "return_form": ReturnForm(initial={"version": page.edition.version}),
        },
        # A refused save is answered 200 like the other forms' (a 4xx is a console error).
        status=409 if conflict else 200,
    )


@login_required
def edition_editor(request, pk: int):
    return _render_editor(request, pk)


@login_required
@require_POST
def block_add(request, pk: int):
    edition = _visible_edition(request.user, pk)
    form = BlockAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of block to add."))
        return redirect(_editor_url(edition.pk))
    try:
        block = services.block_add(
            user=request.user, edition_id=edition.pk, kind=form.cleaned_data["kind"]
        )
    except ValidationError as error:
        refusal_said(request, error)
        return redirect(_editor_url(edition.pk))
    return redirect(_editor_url(edition.pk, block.pk))


@login_required
@require_POST
def block_save(request, pk: int):
    """Autosave (htmx) answers with the block's save state; a plain post goes back to the
    editor. A conflict keeps the user's text and shows the text saved meanwhile."""
    block = _visible_block(request.user, pk)
    form = BlockForm(request.POST, auto_id=f"id_b{block.pk}_%s")
    if not form.is_valid():
        raise Http404  # only a tampered post lacks the version
    edition_before = block.edition
    try:
        saved = services.block_save(
            user=request.user,
            block_id=block.pk,
            expected_version=form.expected_version(),
            text_zh=form.cleaned_data["text_zh"],
            text_bo=form.cleaned_data["text_bo"],
            kind=form.cleaned_data["kind"] or None,
        )
    except StaleEdit as error:
        current = EditionBlock.objects.get(pk=block.pk)
        if request.htmx:
            return render(
                request,
                "materials/_block_state.html",
                {"block": current, "conflict": error.messages[0], "state": "conflict"},
            )
        service_errors_shown(form, error)
        return _render_editor(
            request, block.edition_id, bound=form, bound_block=current, conflict=current
        )
    except ValidationError as error:
        if request.htmx:
            return render(
                request,
                "materials/_block_state.html",
                {"block": block, "refused": error.messages[0], "state": "refused"},
            )
        if getattr(error, "code", None) == "not_editable":
            # The editor shows the text read-only now: the refusal is said above it.
            refusal_said(request, error)
            return redirect(_editor_url(block.edition_id))
        # The editor again, the typed text kept in the block's form with what to fix.
        service_errors_shown(form, error)
        return _render_editor(request, block.edition_id, bound=form, bound_block=block)
    if request.htmx:
        edition = saved.edition
        status_changed = edition.status != edition_before.status
        context = {"block": saved, "state": "saved", "status_changed": status_changed}
        if status_changed:
            context.update(
                page=selectors.editor_page(user=request.user, edition_id=edition.pk),
                edition=edition,
                return_form=ReturnForm(initial={"version": edition.version}),
            )
        return render(request, "materials/_block_state.html", context)
    messages.success(request, _("The block is saved."))
    return redirect(_editor_url(block.edition_id, block.pk))


def _comments_response(request, block: EditionBlock, form: CommentForm | None = None):
    block = selectors.editor_blocks(block.edition).get(pk=block.pk)
    permissions = selectors.editor_permissions(user=request.user, edition=block.edition)
    return render(
        request,
        "materials/_comments.html",
        {
            "block": block,
            "comment_form": form or CommentForm(auto_id=f"id_c{block.pk}_%s"),
            "may_comment": permissions["may_comment"],
        },
    )


@login_required
@require_POST
def block_comment_add(request, pk: int):
    block = _visible_block(request.user, pk)
    form = CommentForm(request.POST, auto_id=f"id_c{block.pk}_%s")
    if form.is_valid():
        try:
            services.block_comment_add(
                user=request.user, block_id=block.pk, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            form = None
    if request.htmx:
        return _comments_response(request, block, form)
    if form is not None:
        for error in form.errors.get("text", []):
            messages.error(request, error)
    return redirect(_editor_url(block.edition_id, block.pk))


@login_required
@require_POST
def block_comment_resolve(request, pk: int):
    try:
        comment = visible_to(request.user, BlockComment).select_related("block__edition").get(pk=pk)
    except BlockComment.DoesNotExist:
        raise Http404 from None
    services.block_comment_resolve(user=request.user, comment_id=comment.pk)
    if request.htmx:
        return _comments_response(request, comment.block)
    return redirect(_editor_url(comment.block.edition_id, comment.block_id))


@login_required
def edition_diff(request, pk: int):
    edition = _visible_edition(request.user, pk)
    against = edition.based_on
    if "against" in request.GET:
        try:
            against = (
                visible_to(request.user, MaterialEdition)
                .filter(material=edition.material_id)
                .get(pk=int(request.GET["against"]))
            )
        except (MaterialEdition.DoesNotExist, ValueError):
            raise Http404 from None
    others = edition.material.editions.exclude(pk=edition.pk).order_by("-number")
    return render(
        request,
        "materials/diff.html",
        {
            "edition": edition,
            "against": against,
            "rows": selectors.edition_diff(against, edition) if against else [],
            "others": others,
        },
    )


DONE_MESSAGES = {
    "translate": gettext_lazy("The edition is marked translated and waits for review."),
    "review": gettext_lazy("The translation is reviewed."),
    "approve": gettext_lazy("The edition is approved for print."),
    "return": gettext_lazy("The edition is back in draft with your note."),
    "clear_native_review": gettext_lazy(
        "Native review of every block is cleared; each block records you as its native reader."
    ),
}


@login_required
@require_POST
def edition_transition(request, pk: int, action: str):
    if action not in DONE_MESSAGES:
        raise Http404
    edition = _visible_edition(request.user, pk)
    user = request.user
    try:
        version = version_posted(request.POST)
        arguments = {"user": user, "edition_id": edition.pk, "expected_version": version}
        if action == "translate":
            services.edition_translate(**arguments)
        elif action == "review":
            services.edition_review(**arguments)
        elif action == "approve":
            services.edition_approve(**arguments)
        elif action == "return":
            services.edition_return(**arguments, note=request.POST.get("text", ""))
        elif request.POST.get("block"):
            block = _visible_block(user, _posted_int(request, "block"))
            if block.edition_id != edition.pk:
                raise Http404
            services.block_native_review_clear(
                user=user, block_id=block.pk, expected_version=version
            )
            messages.success(request, _("Native review of the block is cleared."))
            return redirect(_editor_url(edition.pk, block.pk))
        else:
            services.edition_native_review_clear(**arguments)
    except ValidationError as error:
        refusal_said(request, error)
    else:
        messages.success(request, DONE_MESSAGES[action])
    return redirect(_editor_url(edition.pk))


def _posted_int(request, name: str) -> int:
    try:
        return int(request.POST[name])
    except (KeyError, ValueError):
        raise Http404 from None


@login_required
@require_POST
def edition_new(request, pk: int):
    edition = _visible_edition(request.user, pk)
    try:
        new = services.edition_new(user=request.user, edition_id=edition.pk)
    except ValidationError as error:
        refusal_said(request, error)
        return redirect("material_detail", pk=edition.material_id)
    messages.success(
        request,
        _("Edition %(number)s is started from edition %(source)s, which stays printable.")
        % {"number": new.number, "source": edition.number},
    )
    return redirect("edition_editor", pk=new.pk)
