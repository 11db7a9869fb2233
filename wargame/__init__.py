"""wargame: a terminal wargame of the U.S.-China technology contest.

Kept empty of imports on purpose: `wargame --help` and the app's start-up
should not pay for modules they do not use.
"""

__version__ = "0.1.0"
