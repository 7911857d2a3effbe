"""Posting admin pages as a clinician's browser would."""

from collections.abc import Callable

from django.test import Client

Data = dict[str, str | list[str]]


def repost(client: Client, url: str, edit: Callable[[Data], None]):
    """Post the admin change form at ``url`` as shown, after ``edit(data)`` changes it."""
    response = client.get(url)
    assert response.status_code == 200
    data: Data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "on" if value is True else str(value)
    edit(data)
    return client.post(url, data)
