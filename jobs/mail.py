"""All e-mail goes through the queue: the request that sends one only enqueues it, the
worker delivers it through EMAIL_DELIVERY_BACKEND (SMTP in production) and retries a
refused delivery with backoff. A delivery interrupted after the server took the mail may
send it twice; none is lost."""

import base64
from email import message_from_bytes

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django_tasks import task


def _encode(content) -> dict:
    if isinstance(content, bytes):
        return {"base64": base64.b64encode(content).decode()}
    return {"text": content}


def _decode(content: dict):
    return base64.b64decode(content["base64"]) if "base64" in content else content["text"]


def serialize(message: EmailMessage) -> dict:
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, tuple):  # (filename, content, mimetype)
            filename, content, mimetype = attachment
            attachments.append([filename, _encode(content), mimetype])
        else:  # a MIME part: kept as its bytes
            attachments.append([None, _encode(attachment.as_bytes()), None])
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": message.to,
        "cc": message.cc,
        "bcc": message.bcc,
        "reply_to": message.reply_to,
        "headers": message.extra_headers,
        "alternatives": [[content, mimetype] for content, mimetype in
                         getattr(message, "alternatives", [])],
        "attachments": attachments,
        "content_subtype": message.content_subtype,
    }  # fmt: skip


def deserialize(data: dict) -> EmailMessage:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=[tuple(item) for item in data["alternatives"]],
    )
    message.content_subtype = data["content_subtype"]
    for filename, content, mimetype in data["attachments"]:
        if filename is None:
            message.attach(message_from_bytes(_decode(content)))
        else:
            message.attach(filename, _decode(content), mimetype)
    return message


@task()
def deliver(message: dict) -> None:
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    connection.send_messages([deserialize(message)])


class QueuedEmailBackend(BaseEmailBackend):
    """EMAIL_BACKEND: enqueues each message as one task. Within a transaction the task is
    written with it, so a rolled-back change sends nothing."""

    def send_messages(self, email_messages) -> int:
        count = 0
        for message in email_messages:
            if message.recipients():
                deliver.enqueue(serialize(message))
                count += 1
        return count
