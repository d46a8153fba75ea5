"""Solutions to the chapter 07 exercises: a contract language.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

import ast

from minichain.checks.ch07 import PREPAID_BUGGY
from minichain.encoding import sha256


def selector_of(name):
    """The number that names function `name` in call data."""
    digest = sha256(b"minichain function:" + name.encode("utf-8"))
    return int.from_bytes(digest[:4], "big")


def meter_log_source():
    """A contract in which only its meter records readings, and never a negative one."""
    return '''
class MeterLog:
    meter: address
    total: int

    def __init__(self):
        self.meter = msg.sender

    @public
    def record(self, wh: int) -> int:
        require(msg.sender == self.meter, "only the meter can record")
        require(wh >= 0, "a reading cannot be negative")
        self.total += wh
        return self.total

    @public
    def total_wh(self) -> int:
        return self.total
'''


def credits_from_events(credits, receipts, who):
    """The credits `who` holds, from the token's events in `receipts` alone."""
    total = 0
    for receipt in receipts:
        for event in credits.events(receipt):
            if event.name != "Transfer":
                continue                          # an Approval moves nothing
            if event["receiver"] == who:
                total += event["amount"]
            if event["sender"] == who:
                total -= event["amount"]
    return total


def fix_the_bug():
    """The prepaid contract, with withdraw limited to the caller's own deposit."""
    return PREPAID_BUGGY.replace(
        'require(amount <= self.total, "not enough deposited")',
        'require(amount <= self.deposits[msg.sender], "not enough deposited")')


def prepaid_model(calls):
    """Would the prepaid contract accept each (who, function, amount)? From its description."""
    left = {}                                     # name -> µ€ left of its own deposits
    accepted = []
    for who, function, amount in calls:
        if function == "deposit":
            ok = amount > 0
            if ok:
                left[who] = left.get(who, 0) + amount
        else:
            ok = 0 < amount <= left.get(who, 0)
            if ok:
                left[who] -= amount
        accepted.append(ok)
    return accepted


def state_writes(source):
    """For each method of the contract in `source`, the sorted state variables it assigns."""
    tree = ast.parse(source)
    contract = next(node for node in tree.body if isinstance(node, ast.ClassDef))
    writes = {}
    for method in contract.body:
        if not isinstance(method, ast.FunctionDef):
            continue
        names = set()
        for node in ast.walk(method):
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign):
                targets = [node.target]
            else:
                continue
            for target in targets:
                for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                    while isinstance(item, ast.Subscript):       # self.m[k][j] writes m
                        item = item.value
                    if (isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name)
                            and item.value.id == "self"):
                        names.add(item.attr)
        writes[method.name] = sorted(names)
    return writes
