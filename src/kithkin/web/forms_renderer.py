"""How forms render: Django's Jinja2 form renderer, with the project's own field layout."""

from django.forms.renderers import Jinja2


class FormRenderer(Jinja2):
    # `{{ form }}` renders every field the project's way (web/jinja2/kithkin/fields.html).
    form_template_name = "kithkin/fields.html"
