"""Who hears of what, in the admin and by e-mail: the editors on duty of submissions and
corrections, the authors of decisions; the first mail at once, the rest as a digest."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, PendingChange
from notifications.models import MailSettings, Notification
from tests.articles.test_admin import change_form_data
from tests.articles.test_workflow import add_form
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, member

from .conftest import SITE

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def mails_to(username):
    return [m for m in mail.outbox if m.to == [f"{username}@example.org"]]


def recipients(kind, article=None):
    rows = Notification.objects.filter(kind=kind)
    if article is not None:
        rows = rows.filter(article=article)
    return sorted(rows.values_list("recipient__username", flat=True))


def submit(client, on_commit, **extra):
    data = add_form(CategoryFactory(), AuthorFactory(), status="review", **extra)
    with on_commit():
        assert client.post(ADD, data).status_code == 302
    return Article.objects.get(slug=data["slug"])


def set_status(client, article, on_commit, status, comment="", **extra):
    data = change_form_data(client, article) | {"status": status, "status_comment": comment}
    with on_commit():
        assert client.post(change_url(article), data | extra).status_code == 302


def test_a_submission_tells_every_editor_on_duty_once_by_mail(trainee, newsdesk, on_commit):
    _selin, client = trainee
    article = submit(client, on_commit, status_comment="Bitte die Zahlen prüfen.")

    # Chef vom Dienst by group, by own permission, administrators; not the writer, not an
    # inactive account, not someone without admin access.
    assert recipients("submitted") == ["chefin", "jonas", "miriam"]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "chefin@example.org", "jonas@example.org", "miriam@example.org"
    ]  # fmt: skip
    message = mails_to("miriam")[0]
    assert message.subject == (
        "[Newsroom] Selin hat „Neue Buslinie ins Gewerbegebiet“ zur Prüfung eingereicht."
    )
    assert "Kommentar: „Bitte die Zahlen prüfen.“" in message.body
    # The link is absolute and opens the article in the admin.
    assert f"{SITE}/admin/articles/article/{article.pk}/change/" in message.body
    assert f"{SITE}/admin/benachrichtigungen/einstellungen/" in message.body


def test_submitting_the_same_article_again_within_minutes_is_no_new_notice(
    trainee, editor, on_commit
):
    _selin, writer = trainee
    _miriam, cvd = editor
    article = submit(writer, on_commit)
    set_status(cvd, article, on_commit, "draft", "Bitte Quellen ergänzen.")
    article.refresh_from_db()
    set_status(writer, article, on_commit, "review", "Quellen sind drin.")
    assert recipients("submitted") == ["miriam"]
    assert len(mails_to("miriam")) == 1
    # Later it is news again.
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=6))
    article.refresh_from_db()
    set_status(cvd, article, on_commit, "draft")
    article.refresh_from_db()
    set_status(writer, article, on_commit, "review")
    assert recipients("submitted") == ["miriam", "miriam"]


def test_notices_after_the_first_mail_wait_for_one_digest(trainee, editor, on_commit):
    selin, writer = trainee
    first = submit(writer, on_commit)
    assert len(mails_to("miriam")) == 1  # at once

    second = submit(writer, on_commit, title="Stadtrat tagt", slug="stadtrat-tagt")
    published = ArticleFactory(title="Freibad öffnet")
    with on_commit():
        PendingChange.objects.create(article=published, data={"lead": "Neu"}, created_by=selin)
    assert len(mails_to("miriam")) == 1  # within the window: gathered
    assert Notification.objects.filter(recipient__username="miriam").count() == 3
    call_command("send_notifications")
    assert len(mails_to("miriam")) == 1

    # The window has passed (instead of waiting, the last mail is moved back in time): the
    # schedule's next run (every minute) sends the digest, once; admin pages send nothing.
    MailSettings.objects.update(last_mailed_at=timezone.now() - timedelta(minutes=6))
    assert writer.get(reverse("admin:index")).status_code == 200
    assert len(mails_to("miriam")) == 1
    call_command("send_notifications")
    digest = mails_to("miriam")[1]
    assert digest.subject == "[Newsroom] 2 neue Benachrichtigungen"
    assert "„Stadtrat tagt“ zur Prüfung eingereicht" in digest.body
    assert "hat „Freibad öffnet“ korrigiert" in digest.body
    assert f"{SITE}/admin/articles/article/{second.pk}/change/" in digest.body
    pending = PendingChange.objects.get()
    assert f"{SITE}/admin/articles/pendingchange/{pending.pk}/change/" in digest.body
    assert first.title not in digest.body
    call_command("send_notifications")
    writer.get(reverse("admin:index"))
    assert len(mails_to("miriam")) == 2


def test_the_timer_command_sends_what_is_due_and_never_twice(trainee, editor, on_commit):
    _selin, writer = trainee
    submit(writer, on_commit)
    submit(writer, on_commit, title="Stadtrat tagt", slug="stadtrat-tagt")
    MailSettings.objects.update(last_mailed_at=timezone.now() - timedelta(minutes=6))
    # Two senders at the same moment (two processes, or a request and the timer): the
    # first claims the recipient, the second finds the mail already sent.
    from notifications.mail import send_due

    moment = timezone.now()
    assert send_due(now=moment) == 1
    assert send_due(now=moment) == 0
    call_command("send_notifications")
    assert [m.subject for m in mails_to("miriam")][1] == (
        "[Newsroom] Selin hat „Stadtrat tagt“ zur Prüfung eingereicht."
    )
    assert len(mails_to("miriam")) == 2


@pytest.fixture
def byline(django_user_model, trainee):
    """An article by Selin (her author profile) that Tom created, waiting for review."""
    selin, _client = trainee
    tom, _client = member(django_user_model, "tom", "Redaktion")
    article = ArticleFactory(
        title="Brücke gesperrt",
        status=Article.Status.REVIEW,
        created_by=tom,
        authors=[AuthorFactory(name="Selin Yılmaz", user=selin)],
    )
    return article


def test_authors_hear_when_their_article_is_published(byline, editor, on_commit, settings):
    settings.NOTIFICATION_DIGEST_MINUTES = 0
    _miriam, cvd = editor
    set_status(cvd, byline, on_commit, "published", "Gut.")
    assert recipients("published") == ["selin", "tom"]
    assert (
        mails_to("selin")[0].subject
        == "[Newsroom] „Brücke gesperrt“ ist veröffentlicht (von Miriam)."
    )


def test_authors_hear_when_their_article_is_scheduled(byline, editor, on_commit, settings):
    _miriam, cvd = editor
    moment = {"published_at_0": "24.12.2031", "published_at_1": "06:00:00"}
    set_status(cvd, byline, on_commit, "published", **moment)
    assert recipients("scheduled") == ["selin", "tom"]
    assert "„Brücke gesperrt“ ist geplant für 24.12.2031, 06:00" in mails_to("tom")[0].subject


def test_authors_hear_when_their_article_is_sent_back_with_the_comment(byline, editor, on_commit):
    _miriam, cvd = editor
    set_status(cvd, byline, on_commit, "draft", "Bitte die Quelle nennen.")
    assert recipients("returned") == ["selin", "tom"]
    message = mails_to("selin")[0]
    assert "Miriam hat „Brücke gesperrt“ zur Überarbeitung zurückgegeben." in message.body
    assert "Kommentar: „Bitte die Quelle nennen.“" in message.body


def test_the_writer_of_a_correction_hears_the_decision(trainee, editor, on_commit, settings):
    selin, writer = trainee
    _miriam, cvd = editor
    article = ArticleFactory(title="Freibad öffnet")
    for lead in ("Ab Juni.", "Ab Mai."):
        data = change_form_data(writer, article) | {"lead": lead}
        with on_commit():
            assert writer.post(change_url(article), data).status_code == 302
    rejected, approved = PendingChange.objects.order_by("pk")
    assert recipients("correction") == ["miriam"]  # one per article, not per save
    settings.NOTIFICATION_DIGEST_MINUTES = 0  # every decision mailed at once

    decide = "admin:articles_pendingchange_change"
    with on_commit():
        cvd.post(reverse(decide, args=[rejected.pk]), {"reason": "Die Stadt sagt Juli."})
    with on_commit():
        cvd.post(reverse(decide, args=[approved.pk]), {"approve": "1"})
    assert recipients("rejected") == recipients("approved") == ["selin"]
    subjects = [m.subject for m in mails_to("selin")]
    assert subjects == [
        "[Newsroom] Ihre Korrektur an „Freibad öffnet“ wurde von Miriam abgelehnt.",
        "[Newsroom] Ihre Korrektur an „Freibad öffnet“ wurde von Miriam freigegeben.",
    ]
    assert "Begründung: „Die Stadt sagt Juli.“" in mails_to("selin")[0].body
    # Saving a decided correction again tells no one again.
    rejected.refresh_from_db()
    rejected.save()
    assert recipients("rejected") == ["selin"]


def test_e_mail_can_be_switched_off_the_admin_keeps_telling(trainee, editor, on_commit):
    _selin, writer = trainee
    _miriam, cvd = editor
    url = reverse("notifications:settings")
    assert url == "/admin/benachrichtigungen/einstellungen/"
    page = cvd.get(url).content.decode()
    assert "E-Mail-Benachrichtigungen" in page and "checked" in page
    assert cvd.post(url, {}).status_code == 302  # the box unticked
    assert MailSettings.objects.get(user__username="miriam").enabled is False

    submit(writer, on_commit)
    assert mail.outbox == []
    assert recipients("submitted") == ["miriam"]

    cvd.post(url, {"enabled": "on"})
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=6))
    submit(writer, on_commit, title="Stadtrat tagt", slug="stadtrat-tagt")
    assert len(mails_to("miriam")) == 1
