"""Contracts used by more than one service: broker topology and typed messages."""
