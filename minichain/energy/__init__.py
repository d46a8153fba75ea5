"""The energy side of Sunny Street: units, orders and the double auction (chapters 09-12).

Each module is imported on its own (``from minichain.energy.auction import clear_uniform_price``);
this package file imports nothing, so one module never drags in another's dependencies.
"""
