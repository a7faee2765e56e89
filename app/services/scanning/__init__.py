"""The scanning wing: every scan screen reads codes one way and keeps one kind of session.

    codes.py        a scan's text read once into a code: a document (its kind from the
                    registry of kinds, its number normalised), an item, a badge, a command
                    or a quantity; garbage refused in words
    session.py      `ScanSession`, the base of every session: one scan at a time, who is
                    signed in (badge and PIN), the current document, what is staged, the
                    pending quantity and command, #CLEAR, and `ScanOutcome`, the one answer
    production.py   the scan station: work orders, #ISSUE, #BUILD, #COMPLETE
    picking.py      the pick bench: sales orders and fulfillments, #PICK, #PACK, #SHIP
    receiving.py    the receiving dock: purchase orders, #RECEIVE, #SHIP for drop ship

Adding a session (shipping a transfer order by scan, say) is one module here, and no edit to
the base or to the codes; this package imports every module in it, so the others know its
commands ("#SHIP is for the pick, pack and ship screen ..."):

    from app.services.scanning.session import Command, Opened, Posted, ScanSession

    SHIP = Command("#SHIP", "ship what is scanned")           # takes what is staged

    @dataclass(frozen=True)
    class TransferDetail: ...                                 # what the screen shows

    class TransferShipSession(ScanSession[TransferDetail]):
        kinds = (TRANSFER_ORDER,)                             # the documents it opens
        commands = (SHIP,)                                    # #CLEAR comes with the base
        screen = "the transfer shipping screen"
        purpose = "this screen ships transfer orders"

        def open(self, uow, code) -> Opened: ...              # read code.number, keep it
        def staging_key(self, sku, quantity) -> str: ...      # its line; refuse other items
        def post(self, uow, command, staged) -> Posted: ...   # one posting of what is staged
        def detail(self) -> TransferDetail: ...

A command that waits for a quantity (`Command(..., takes=QUANTITY, verb="build")`) is carried
out by `produce` instead; `staged_message`, `ask_quantity`, `nothing_staged`, `reload` and
`forget` have plain defaults. A session whose grammar differs (a count: a bin, then an item,
then what was counted) overrides `on_item`, `on_quantity` or, for a kind of code of its own,
`on_code`. A new kind of code (a bin, a reason code) is a reader registered in codes.py
(`register_reader`), as the GS1-128 element string is. A screen shows any session through
app/views/common/scanner.py (the keyboard-wedge reader) and the outcome's level, message,
code and state.
"""

import importlib
import pkgutil


def _import_sessions() -> None:
    for found in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{found.name}")


_import_sessions()
