from tests.cards.support import world

__all__ = ["world"]
