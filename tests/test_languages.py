"""Three interface languages: Simplified Chinese (default), Tibetan and English."""

import re

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_info

from tests.factories import MembershipFactory

CATALOGUES = settings.BASE_DIR / "locale"
REVIEW_MARK = "# Needs review by a native reader."


def _entries(language: str) -> list[str]:
    text = (CATALOGUES / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    return [block for block in text.split("\n\n") if 'msgid ""\nmsgstr ""\n"' not in block]


def test_django_knows_the_tibetan_language():
    info = get_language_info("bo")
    assert (info["name"], info["name_local"], info["bidi"]) == ("Tibetan", "བོད་ཡིག", False)


@pytest.mark.parametrize("language", ["zh_Hans", "bo"])
def test_every_interface_string_is_translated(language):
    untranslated = [
        block
        for block in _entries(language)
        if re.search(r'msgstr(\[0\])? ""\n?$', block.strip() + "\n")
    ]
    fuzzy = [block for block in _entries(language) if "#, fuzzy" in block]
    assert not untranslated
    assert not fuzzy


def test_every_tibetan_interface_string_is_marked_for_native_review():
    unmarked = [block for block in _entries("bo") if REVIEW_MARK not in block]
    assert not unmarked, unmarked[:3]


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "登录"), ("bo", "ནང་འཛུལ"), ("en", "Sign in")]
)
def test_sign_in_page_speaks_the_chosen_language(client, db, language, expected):
    response = client.get(reverse("login"), headers={"accept-language": language})
    assert f'<html lang="{language}">' in response.text
    assert expected in response.text


def test_chinese_is_the_default_language(client, db):
    response = client.get(reverse("login"))
    assert '<html lang="zh-hans">' in response.text


def test_choosing_a_language_keeps_it_for_the_next_pages(client, db):
    user = MembershipFactory().user
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "bo", "next": reverse("home")})
    response = client.get(reverse("home"))
    assert '<html lang="bo">' in response.text
    assert "藏文界面文字待母语审校" in response.text


CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (lambda: forms.IntegerField(min_value=0), "-1"),
        (lambda: forms.IntegerField(), "很多"),
        (lambda: forms.CharField(max_length=3), "ཀཁགང"),
        (lambda: forms.DateField(), "2025-13-40"),
        (lambda: forms.CharField(), ""),
    ],
)
def test_djangos_own_validation_messages_are_tibetan_on_tibetan_pages(field, value):
    # Django ships no Tibetan: without our catalogue these fell back to Chinese.
    with translation.override("bo"):
        with pytest.raises(forms.ValidationError) as refused:
            field().clean(value)
        message = " ".join(refused.value.messages)
    assert re.search(r"[\u0f00-\u0fff]", message), message
    assert not CHINESE.search(message), message
