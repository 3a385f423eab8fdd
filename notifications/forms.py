from django import forms

from .models import MailSettings


class MailSettingsForm(forms.ModelForm):
    class Meta:
        model = MailSettings
        fields = ["enabled"]
