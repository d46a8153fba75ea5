"""The street's physics: sun, clouds and household load, homes and batteries, the feeder (chapter 11).

Pure models with no market in them: ``profiles`` (solar position, clear-sky PV, clouds, the
H0 load profile), ``household`` (homes, batteries, self-consumption), ``grid`` (a radial
feeder and its line flows). Each module is imported on its own; this file imports nothing.
"""
