"""The routing-rule editor as a form (no JSON to type) and the preview's sample case."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bitrade.organisation.models import Municipality, PoliceArea, Unit

from . import rules
from .models import RoutingRule

LAW_CHOICES = [(law, law) for law in sorted(rules.LAWS)]
PRIORITY_CHOICES = [("1", _("1 – omedelbart")), ("2", _("2 – brådskande")), ("3", _("3 – närtid")),
                    ("ordinar", _("Ordinärt ärende (ingen RLC-prioritet)"))]


class RoutingRuleForm(forms.ModelForm):
    laws = forms.MultipleChoiceField(label=_("Lagar"), choices=LAW_CHOICES, required=False,
                                     widget=forms.CheckboxSelectMultiple,
                                     help_text=_("Ingen vald = alla lagar."))
    priorities = forms.MultipleChoiceField(label=_("Prioriteter"), choices=PRIORITY_CHOICES, required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("Ingen vald = alla prioriteter."))
    points = forms.CharField(label=_("Lagrum (nycklar)"), required=False,
                             help_text=_("Frivilligt, kommaseparerat, t.ex. LPT-47-2-3. Tomt = alla lagrum."))

    class Meta:
        model = RoutingRule
        fields = ["name", "region", "order", "laws", "points", "priorities", "police_area", "max_age",
                  "target_kind", "target_unit", "scope", "requires_open", "valid_from", "valid_to", "active"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "scope": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["police_area"].queryset = PoliceArea.objects.select_related("region").order_by("region__name", "name")
        self.fields["target_unit"].queryset = Unit.objects.filter(active=True).order_by("name")
        self.fields["region"].empty_label = _("Hela landet (nationell regel)")
        self.fields["police_area"].empty_label = _("Alla polisområden")
        self.fields["target_unit"].empty_label = _("Ingen bestämd enhet – enhetstypen avgör")
        if self.instance and self.instance.pk:
            self.initial["laws"] = list(self.instance.laws or [])
            self.initial["points"] = ", ".join(self.instance.points or [])
            self.initial["priorities"] = ["ordinar" if p is None else str(p) for p in self.instance.priorities or []]

    def clean_points(self):
        return [p.strip() for p in self.cleaned_data.get("points", "").split(",") if p.strip()]

    def clean_priorities(self):
        return [None if p == "ordinar" else int(p) for p in self.cleaned_data.get("priorities", [])]

    def draft(self) -> rules.RoutingRule:
        """The rule as the engine sees it, before it is saved (for the preview)."""
        d = self.cleaned_data
        return rules.RoutingRule(
            id=self.instance.pk or 0, name=d["name"], region=d["region"].code if d.get("region") else None,
            order=d.get("order") or 0, laws=frozenset(d.get("laws") or ()), points=frozenset(d.get("points") or ()),
            priorities=frozenset(d.get("priorities") or ()),
            police_area=d["police_area"].code if d.get("police_area") else None, max_age=d.get("max_age"),
            target_kind=d.get("target_kind") or None, target_unit_id=d["target_unit"].pk if d.get("target_unit") else None,
            scope=d.get("scope") or rules.SCOPE_POLICE_AREA, requires_open=bool(d.get("requires_open")),
            valid_from=d.get("valid_from"), valid_to=d.get("valid_to"))


class PreviewForm(forms.Form):
    """A sample case: where is it, under which law, how urgent, how old is the person, when."""

    municipality = forms.ModelChoiceField(label=_("Kommun där personen finns"), queryset=Municipality.objects.none(),
                                          to_field_name="code")
    law = forms.ChoiceField(label=_("Lag"), choices=LAW_CHOICES)
    point_key = forms.CharField(label=_("Lagrum (nyckel, frivilligt)"), required=False)
    priority = forms.ChoiceField(label=_("Prioritet"), choices=PRIORITY_CHOICES, initial="ordinar")
    age = forms.IntegerField(label=_("Personens ålder (frivilligt)"), required=False, min_value=0, max_value=130)
    at = forms.DateTimeField(label=_("Tidpunkt"), required=False, input_formats=["%Y-%m-%dT%H:%M"],
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                             help_text=_("Tomt = nu."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.order_by("name")

    def case(self) -> dict:
        d = self.cleaned_data
        at = d.get("at") or timezone.now()
        return {"municipality": d["municipality"], "law": d["law"], "point_key": d.get("point_key") or None,
                "priority": None if d["priority"] == "ordinar" else int(d["priority"]), "age": d.get("age"),
                "at": at}
