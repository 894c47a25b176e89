"""awsvpc networking: a task's ENI gets a free private IP inside its subnet's CIDR."""

from __future__ import annotations

import ipaddress
import random
from typing import Any

from moto.ec2.models import ec2_backends
from moto.ec2.utils import generate_dns_from_ip

_RANDOM = random.Random()


def free_ip(ec2: Any, subnet: Any) -> str:
    """A random unused address of the subnet; AWS reserves the first four and the last one."""
    network = ipaddress.IPv4Network(subnet.cidr_block)
    used = {eni.private_ip_address for eni in list(ec2.enis.values()) if eni.subnet is subnet}
    first, last = int(network.network_address) + 4, int(network.broadcast_address) - 1
    for _ in range(64):
        candidate = str(ipaddress.IPv4Address(_RANDOM.randint(first, last)))
        if candidate not in used:
            return candidate
    for number in range(first, last + 1):
        candidate = str(ipaddress.IPv4Address(number))
        if candidate not in used:
            return candidate
    raise RuntimeError(f"subnet {subnet.id} ({subnet.cidr_block}) has no free address")


def eni_of(task: Any) -> tuple[Any, Any] | None:
    """The (ec2 backend, ENI) of an awsvpc task, or None."""
    for attachment in task.attachments:
        for detail in attachment.get("details", []):
            if detail.get("name") == "networkInterfaceId":
                ec2 = ec2_backends[task._account_id][task.region_name]
                eni = ec2.enis.get(detail["value"])
                return (ec2, eni) if eni is not None else None
    return None


def place(task: Any) -> tuple[str, str] | None:
    """Move the task's ENI onto a free address of its subnet; returns (ip, availability zone)."""
    found = eni_of(task)
    if found is None:
        return None
    ec2, eni = found
    eni.private_ip_address = None  # not "used" while we pick
    ip = free_ip(ec2, eni.subnet)
    eni.private_ip_address = ip
    eni.private_ip_addresses = [{"Primary": True, "PrivateIpAddress": ip}]
    dns = generate_dns_from_ip(ip)
    if getattr(eni, "private_dns_name", None):
        eni.private_dns_name = dns
        eni.private_ip_addresses[0]["PrivateDnsName"] = dns
    for attachment in task.attachments:
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address":
                detail["value"] = ip
            elif detail.get("name") == "privateDnsName":
                detail["value"] = dns
    return ip, eni.subnet.availability_zone


def set_attachment_status(task: Any, status: str) -> None:
    """PRECREATED → ATTACHED → DELETED, as the ENI attachment moves with the task."""
    for attachment in task.attachments:
        attachment["status"] = status


def release(task: Any) -> None:
    """Delete the task's ENI once it has stopped, freeing its address (as Fargate does)."""
    found = eni_of(task)
    if found is not None:
        ec2, eni = found
        ec2.enis.pop(eni.id, None)
