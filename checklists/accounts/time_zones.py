"""The time zones a patient may choose: current IANA names only, without the deprecated aliases.

``zoneinfo.available_timezones()`` lists every name the tz database knows, old aliases included
(Asia/Calcutta, Europe/Kiev, US/Eastern ...). The tzdata package (pinned in requirements.txt) ships the
database's own source, ``tzdata.zi``, whose ``L TARGET ALIAS`` lines are the backward links: a name that
appears as an alias there is not a current name, and its target is the name to use instead.
"""

import functools
import zoneinfo
from importlib import resources

UTC_TARGET = "Etc/UTC"


@functools.cache
def zone_links() -> dict[str, str]:
    """Return {deprecated alias: current name} from the tz database's backward links."""
    source = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text(encoding="utf-8")
    links: dict[str, str] = {}
    for line in source.splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()[:3]
            links[alias] = target
    # A link to a link (rare) resolves to the end of the chain.
    return {alias: _follow(links, target) for alias, target in links.items()}


def _follow(links: dict[str, str], name: str) -> str:
    seen = set()
    while name in links and name not in seen:
        seen.add(name)
        name = links[name]
    return name


@functools.cache
def current_time_zones() -> list[str]:
    """Return the sorted current zone names: every known zone that is not an alias, as Area/Place,
    and "UTC" (the name the app has always used, kept in place of Etc/UTC)."""
    links = zone_links()
    # Names without an area (CST6CDT, Factory, localtime) are POSIX-era rules, not places to choose.
    names = {name for name in zoneinfo.available_timezones() if name not in links and "/" in name}
    names.discard(UTC_TARGET)
    return sorted(names | {"UTC"})


def canonical_time_zone(name: str) -> str:
    """Return the current name for ``name`` (an alias becomes its target; a current name is itself)."""
    current = _follow(zone_links(), name)
    return "UTC" if current == UTC_TARGET else current
