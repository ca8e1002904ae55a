"""Who the client is, behind reverse proxies: X-Forwarded-For is believed only from the
configured proxies, and read from the right (each proxy appends the address it saw), so the
client is the rightmost address that is not a trusted proxy. The leftmost entries are whatever
the client chose to send and are never used."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

Networks = Sequence[IPv4Network | IPv6Network]
MAX_HOPS = 32  # entries read from the right: a bounded walk, whatever the header holds


def _trusted(address: str, proxies: Networks) -> bool:
    try:
        ip = ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(peer: str, forwarded_for: Sequence[str], proxies: Networks) -> str:
    """The client's address: the TCP peer, unless it is a trusted proxy; then the rightmost
    X-Forwarded-For entry that is not a trusted proxy (every header line, in order)."""
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for line in forwarded_for for h in line.split(",")][-MAX_HOPS:]
    for hop in reversed(hops):
        if not hop:
            continue
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer  # only proxies: the farthest one stands for the client
