"""Who may talk to whom under a set of NetworkPolicies (networking.k8s.io/v1 semantics), to check
the rendered policies by the connections they allow rather than by their text.

A connection from a pod of ours to a peer (one of our pods, a pod in another namespace, or an
address outside the cluster) is allowed when the source's egress allows it and, for a pod of
ours, the destination's ingress does too. A pod no policy of a direction selects is open in that
direction; once one selects it, only what some selecting policy's rule lists is allowed."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]
OURS = "zhengji"  # the namespace the overlay is applied to


@dataclass(frozen=True)
class Peer:
    namespace: str | None = OURS  # None: outside the cluster (then ip)
    labels: dict[str, str] = field(default_factory=dict)
    ip: str | None = None


def _selects(selector: Doc, labels: dict[str, str]) -> bool:
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expr in selector.get("matchExpressions", []):
        present, value = expr["key"] in labels, labels.get(expr["key"])
        ok = {
            "In": present and value in expr.get("values", []),
            "NotIn": not present or value not in expr.get("values", []),
            "Exists": present,
            "DoesNotExist": not present,
        }[expr["operator"]]
        if not ok:
            return False
    return True


def _peer_matches(rule_peer: Doc, peer: Peer, here: str) -> bool:
    if "ipBlock" in rule_peer:
        if peer.ip is None:
            return False
        address = ipaddress.ip_address(peer.ip)
        block = rule_peer["ipBlock"]
        excepted = any(address in ipaddress.ip_network(c) for c in block.get("except", []))
        return address in ipaddress.ip_network(block["cidr"]) and not excepted
    if peer.namespace is None:
        return False
    if "namespaceSelector" in rule_peer:
        ns_labels = {"kubernetes.io/metadata.name": peer.namespace}
        if not _selects(rule_peer["namespaceSelector"], ns_labels):
            return False
    elif peer.namespace != here:
        return False
    return _selects(rule_peer.get("podSelector", {}), peer.labels)


def _port_matches(ports: list[Doc], port: int, protocol: str) -> bool:
    return not ports or any(
        p.get("protocol", "TCP") == protocol and p.get("port") in (None, port) for p in ports
    )


def _direction_allows(
    policies: list[Doc], pod: Peer, direction: str, other: Peer, port: int, protocol: str
) -> bool:
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    selecting = [
        p
        for p in policies
        if direction in p["spec"].get("policyTypes", ["Ingress"])
        and _selects(p["spec"]["podSelector"], pod.labels)
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(key, []):
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(p, other, OURS) for p in peers)
            if peer_ok and _port_matches(rule.get("ports", []), port, protocol):
                return True
    return False


def allowed(docs: list[Doc], source: Peer, target: Peer, port: int, protocol: str = "TCP") -> bool:
    """Whether ``source`` may open a connection to ``target``'s ``port``."""
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    if source.namespace == OURS and not _direction_allows(policies, source, "Egress", target, port, protocol):
        return False
    if target.namespace == OURS:
        return _direction_allows(policies, target, "Ingress", source, port, protocol)
    return True
