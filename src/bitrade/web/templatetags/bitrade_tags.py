from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ dict|get_item:"a.b" }} — look up keys that contain dots (the form's schema paths)."""
    if mapping is None:
        return ""
    try:
        value = mapping.get(key, "")
    except AttributeError:
        return ""
    return "" if value is None else value
