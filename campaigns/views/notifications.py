from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from campaigns.models import Notification
from campaigns.services.notifications import notifications_mark_read

PER_PAGE = 30


@login_required
def notification_list(request):
    notifications = Notification.objects.visible_to(request.user).select_related("event")
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    notifications_mark_read(user=request.user)
    return redirect("notification_list")
