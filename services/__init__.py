"""The PokerTracker services: gateway, handler and session."""
