"""The attack lab: each module runs one attack on the library and says what happened (chapter 13).

An attack here is a small, seeded, repeatable story: who attacks, what it needs, what it
gets, and which defence stops it. The defences do not live here but where they belong, so
every chapter's code is the code that was attacked: the compiler's ``@nonreentrant``
(``vm/declarations.py``, ``vm/compiler.py``), the finality gadget (``finality.py``), the
meter's plausibility check (``microgrid/plausibility.py``), salted commitments checked by
``SHA256`` (``commitments.py``), sealed bids and the market's order cap in the contracts.

* ``reentrancy``: a payout contract that calls out before it updates its books is drained
  by a contract that calls back; the fixes; the random audit of chapter 07 finds it; why
  the market cannot be re-entered.
* ``cloning``: one authority key run on two nodes across a partition makes two chains that
  Clique accepts on both sides; the finality gadget stops it and has the clone voted out.
* ``chain_attacks``: chapters 02-05's attacks as stories: an edited store, replays and a
  malleated signature, a double spend against a merchant who does not wait.
* ``front_running``: a sealer puts Mallory's take of an offer ahead of Bob's; sealed bids
  (``contracts/sources/sealed_bids.py``) and their deposit.
* ``rounding``: a refund rounded on its own leaks 1 µ€ a deal; a property finds it.
* ``dos``: gas griefing without the order cap, book spam under it, with measured costs.
* ``sybil``: a ring of fake households rating Mallory up, and what the rule that only
  settled trades rate makes it cost.
* ``lab`` (a contract machine bench for the stories) and ``summary`` (the chapter's table:
  what each attack needs, what stops it, what it cost).
"""
