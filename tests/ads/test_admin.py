"""The ad staff's admin: moderation queue, approve/reject (also in bulk), preview, statistics."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html as lxml_html

from ads.groups import GROUP_NAME
from ads.models import Banner, BannerStat, JobAd, JobAdStat, ads_today

from .factories import BannerFactory, JobAdFactory, banner_image

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:ads_jobad_changelist")


def test_migration_created_the_ads_group_with_exactly_its_permissions():
    group = Group.objects.get(name=GROUP_NAME)
    assert sorted(group.permissions.values_list("codename", flat=True)) == [
        "add_banner",
        "add_jobad",
        "change_banner",
        "change_jobad",
        "delete_banner",
        "delete_jobad",
        "moderate_jobad",
        "view_banner",
        "view_jobad",
    ]


@pytest.mark.parametrize("model", ["jobad", "banner"])
def test_admin_pages_open(moderator_client, model):
    ad = JobAdFactory() if model == "jobad" else BannerFactory()
    for url in [
        reverse(f"admin:ads_{model}_changelist"),
        reverse(f"admin:ads_{model}_changelist") + "?q=Lindenau",
        reverse(f"admin:ads_{model}_add"),
        reverse(f"admin:ads_{model}_change", args=[ad.pk]),
        reverse(f"admin:ads_{model}_statistics", args=[ad.pk]),
    ]:
        assert moderator_client.get(url).status_code == 200, url


def test_queue_lists_submitted_ads_first(moderator_client):
    JobAdFactory(title="Alt und freigegeben (m/w/d)")
    JobAdFactory(title="Wartet (m/w/d)", submitted=True)
    JobAdFactory(title="Abgelehnt (m/w/d)", rejected=True)
    tree = lxml_html.fromstring(moderator_client.get(CHANGELIST).content)
    first_row = tree.xpath("//table[@id='result_list']/tbody/tr")[0]
    assert "Wartet (m/w/d)" in first_row.text_content()


def test_approve_action(moderator_client, django_capture_on_commit_callbacks):
    ads = JobAdFactory.create_batch(2, submitted=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            CHANGELIST,
            {"action": "approve_selected", "_selected_action": [ad.pk for ad in ads]},
            follow=True,
        )
    assert "2 Stellenanzeigen freigegeben." in response.text
    assert set(JobAd.objects.values_list("status", flat=True)) == {"approved"}
    assert len(mail.outbox) == 2


def test_approve_action_warns_about_a_missing_gender_note(moderator_client):
    koch = JobAdFactory(title="Koch", submitted=True)
    kellner = JobAdFactory(title="Kellner", rejected=True)
    response = moderator_client.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [koch.pk, kellner.pk]},
        follow=True,
    )
    assert "1 Stellenanzeige freigegeben." in response.text
    assert "Kein Genderhinweis in: Koch<" in response.text  # only the ad just approved
    refusal = f'<li class="error">Über „{kellner}“ wurde bereits entschieden (abgelehnt).</li>'
    assert refusal in response.text


def test_bulk_reject_asks_for_a_reason_first(moderator_client):
    ads = JobAdFactory.create_batch(2, submitted=True)
    ids = [ad.pk for ad in ads]
    page = moderator_client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": ids})
    assert page.status_code == 200
    assert "Grund der Ablehnung" in page.text
    assert set(JobAd.objects.values_list("status", flat=True)) == {"submitted"}
    # Without a reason nothing happens.
    empty = moderator_client.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": ids, "apply": "1", "reason": ""},
    )
    assert empty.status_code == 200
    assert set(JobAd.objects.values_list("status", flat=True)) == {"submitted"}
    done = moderator_client.post(
        CHANGELIST,
        {
            "action": "reject_selected",
            "_selected_action": ids,
            "apply": "1",
            "reason": "Zu ungenau.",
        },
        follow=True,
    )
    assert "2 Stellenanzeigen abgelehnt." in done.text
    assert set(JobAd.objects.values_list("rejection_reason", flat=True)) == {"Zu ungenau."}


def test_moderation_page_with_preview_approve_and_reject(moderator_client):
    ad = JobAdFactory(title="Koch", submitted=True)
    url = reverse("admin:ads_jobad_moderate", args=[ad.pk])
    page = moderator_client.get(url)
    assert "keinen Genderhinweis" in page.text
    preview = moderator_client.get(reverse("admin:ads_jobad_preview", args=[ad.pk]))
    assert preview.status_code == 200
    assert "Unsere Empfehlung" in preview.text and "Anzeige" in preview.text
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    moderator_client.post(url, {"reject": "1", "reason": ""})
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.SUBMITTED
    moderator_client.post(url, {"approve": "1"})
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.APPROVED


def test_preview_and_moderation_page_show_submitted_text_as_text(moderator_client):
    """Whatever an employer typed, the ad staff's browser never runs it."""
    ad = JobAdFactory(
        submitted=True,
        description='<p>Gut</p><script>alert("d")</script><a href="javascript:alert(1)">x</a>',
    )
    evil = '<img src=x onerror="alert(1)">'
    JobAd.objects.filter(pk=ad.pk).update(employer_name=evil, title=evil, teaser=evil)
    for name in ("preview", "moderate", "change"):
        page = moderator_client.get(reverse(f"admin:ads_jobad_{name}", args=[ad.pk])).text
        assert "<img src=x" not in page, name
        assert "&lt;img src=x" in page, name
        assert "<script>alert" not in page and "javascript:alert" not in page, name


def test_staff_outside_the_ads_group_cannot_moderate(client, django_user_model, ads_group):
    editor = django_user_model.objects.create_user("redakteur", is_staff=True)
    editor.user_permissions.add(*ads_group.permissions.exclude(codename="moderate_jobad"))
    client.force_login(editor)
    ad = JobAdFactory(submitted=True)
    assert client.get(reverse("admin:ads_jobad_moderate", args=[ad.pk])).status_code == 403
    client.post(reverse("admin:ads_jobad_moderate", args=[ad.pk]), {"approve": "1"})
    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [ad.pk]})
    client.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": [ad.pk], "apply": "1", "reason": "x"},
    )
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.SUBMITTED
    changelist = client.get(CHANGELIST).text
    assert "approve_selected" not in changelist and "reject_selected" not in changelist


def change_data(ad, **overrides):
    data = {
        "employer_name": ad.employer_name,
        "title": ad.title,
        "place": ad.place,
        "teaser": ad.teaser,
        "description": ad.description,
        "apply_url": ad.apply_url,
        "apply_email": ad.apply_email,
        "first_day": ad.first_day.isoformat(),
        "last_day": ad.last_day.isoformat(),
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
    }
    return data | overrides


@pytest.mark.parametrize("state", ["approved", "rejected"])
def test_staff_outside_the_ads_group_cannot_change_a_decided_ad(
    client, django_user_model, ads_group, state
):
    """Editing a live ad would publish unmoderated text: that is moderation, too."""
    editor = django_user_model.objects.create_user("redakteur", is_staff=True)
    editor.user_permissions.add(*ads_group.permissions.exclude(codename="moderate_jobad"))
    client.force_login(editor)
    ad = JobAdFactory(rejected=True) if state == "rejected" else JobAdFactory()
    url = reverse("admin:ads_jobad_change", args=[ad.pk])
    assert client.get(url).status_code == 200  # still readable
    response = client.post(url, change_data(ad, apply_url="https://evil.example/"))
    assert response.status_code == 403
    assert JobAd.objects.get(pk=ad.pk).apply_url == ad.apply_url
    # A submitted ad still waits for approval, so it may be corrected.
    waiting = JobAdFactory(submitted=True)
    url = reverse("admin:ads_jobad_change", args=[waiting.pk])
    assert client.post(url, change_data(waiting, title="Koch (m/w/d)")).status_code == 302
    assert JobAd.objects.get(pk=waiting.pk).title == "Koch (m/w/d)"


def test_moderators_may_correct_a_live_ad(moderator_client):
    ad = JobAdFactory()
    url = reverse("admin:ads_jobad_change", args=[ad.pk])
    assert moderator_client.post(url, change_data(ad, place="Lindenau-Ost")).status_code == 302
    assert JobAd.objects.get(pk=ad.pk).place == "Lindenau-Ost"


def test_saving_a_title_without_gender_note_warns(moderator_client):
    ad = JobAdFactory(submitted=True)
    response = moderator_client.post(
        reverse("admin:ads_jobad_change", args=[ad.pk]), change_data(ad, title="Koch"), follow=True
    )
    assert "hat keinen Genderhinweis" in response.text


def test_statistics_show_impressions_clicks_and_rate_per_day(moderator_client):
    ad = JobAdFactory()
    JobAdStat.objects.create(ad=ad, day=ads_today(), shard=0, impressions=300, clicks=4)
    JobAdStat.objects.create(ad=ad, day=ads_today(), shard=5, impressions=100, clicks=6)
    JobAdStat.objects.create(ad=ad, day=ads_today() - timedelta(days=1), impressions=0, clicks=0)
    response = moderator_client.get(reverse("admin:ads_jobad_statistics", args=[ad.pk]))
    tree = lxml_html.fromstring(response.text)
    first = [td.text_content() for td in tree.xpath("//table/tbody/tr[1]/td")]
    assert first[1:] == ["400", "10", "2,50 %"]
    assert tree.xpath("//table/tbody/tr[2]/td[4]")[0].text_content() == "–"
    assert len(tree.xpath("//table/tbody/tr")) == 2  # one line per day, however stored
    total = [td.text_content() for td in tree.xpath("//table/tfoot/tr/td")]
    assert total == ["400", "10", "2,50 %"]


def test_banner_upload_checks_the_slot_proportions(moderator_client):
    data = {
        "name": "Sommerfest",
        "slot": "leaderboard",
        "alt_text": "Sommerfest in Lindenau",
        "target_url": "https://example.org/fest",
        "first_day": ads_today().isoformat(),
        "last_day": ads_today().isoformat(),
        "weight": "1",
        "is_active": "on",
    }
    url = reverse("admin:ads_banner_add")
    wrong = moderator_client.post(url, data | {"image": banner_image("sidebar")})
    assert "Seitenverhältnis 728 × 90" in wrong.text
    assert not Banner.objects.exists()
    for target in ("javascript:alert(1)", "ftp://example.org/fest"):
        bad = moderator_client.post(
            url, data | {"image": banner_image("leaderboard"), "target_url": target}
        )
        assert 'id="id_target_url_error"' in bad.text
    assert not Banner.objects.exists()
    moderator_client.post(url, data | {"image": banner_image("leaderboard")})
    banner = Banner.objects.get()
    assert (banner.image_width, banner.image_height) == (728, 90)
    assert not BannerStat.objects.exists()


def test_a_banner_that_is_no_image_gets_a_message_not_a_crash():
    banner = BannerFactory.build(
        slot="leaderboard", image=SimpleUploadedFile("x.png", b"kein Bild\n" * 50, "image/png")
    )
    with pytest.raises(ValidationError) as error:
        banner.full_clean()
    assert "kein gültiges Bild" in " ".join(error.value.message_dict["image"])


def test_an_approval_refused_for_a_field_names_the_field(moderator_client):
    """An ad stored before descriptions were checked, with nothing left to show, cannot be
    approved, and the message says which field is wrong."""
    ad = JobAdFactory(title="Koch (m/w/d)", submitted=True)
    JobAd.objects.filter(pk=ad.pk).update(description="")
    url = reverse("admin:ads_jobad_moderate", args=[ad.pk])
    page = moderator_client.post(url, {"approve": "1"}, follow=True)
    label = str(JobAd._meta.get_field("description").verbose_name)
    assert f"{label[0].upper()}{label[1:]}: " in page.text
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.SUBMITTED


def test_a_rich_text_the_sanitizer_empties_is_refused_as_empty():
    from newsroom.sanitize import RichTextFormField

    field = RichTextFormField(required=True)
    with pytest.raises(ValidationError) as refused:
        field.clean("<script>alert(1)</script>")
    assert refused.value.code == "required"
    assert field.clean("<p>Wir suchen <script>x</script>Verstärkung.</p>") == (
        "<p>Wir suchen Verstärkung.</p>"
    )
    assert RichTextFormField(required=False).clean("<script>x</script>") == ""
