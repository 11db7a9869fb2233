"""The round's flow: phases, turns, negotiation, the clock and the facilitator's actions.

The one API every front end uses (the Textual app, headless ``simulate``, the
exercise server). Plain Python: nothing here imports Textual. See docs/architecture.md.
"""

from wargame.play.flow import Budget, DraftPolicy, Flow, FlowError, Notice
from wargame.play.negotiation import Message, Offer, Status, Terms
from wargame.play.phases import FACILITATOR, OBSERVER, ROUND, Control, Phase, Seat
from wargame.play.view import SeatView, may, view

__all__ = ["Budget", "Control", "DraftPolicy", "FACILITATOR", "Flow", "FlowError", "Message", "Notice", "OBSERVER",
           "Offer", "Phase", "ROUND", "Seat", "SeatView", "Status", "Terms", "may", "view"]
