"""SPEC section 2's migration estimate for the benchmark scripts (the same constants as
DRSModel's MigrationModel)."""


def migration_seconds(memory, dirty_rate, bandwidth):
    """Iterative pre-copy: round 0 sends the memory, round k what round k-1 let the guest dirty,
    until the rest takes at most 0.3 s, 30 rounds have passed or 3 x memory has been sent; the
    rest goes while the VM is paused. Seconds = MiB sent / bandwidth + 1 s of setup."""
    ratio = dirty_rate / bandwidth
    sent, left, rounds = memory, memory * ratio, 1
    while left / bandwidth > 0.3 and rounds < 30 and sent < 3 * memory:
        sent += left
        left *= ratio
        rounds += 1
    return (sent + left) / bandwidth + 1.0
