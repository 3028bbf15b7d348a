"""Build a concrete URL for every rule of the URL map (sample values per converter)."""

from __future__ import annotations

from werkzeug.routing import AnyConverter, IntegerConverter


def sample_url(app, rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 999_999
        else:
            values[name] = "zz-sample"
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, method=sorted(rule.methods - {"HEAD",
                                                                                 "OPTIONS"})[0])


def routes(app):
    """(rule, method, url) for every route but static, each method once."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, sample_url(app, rule)
