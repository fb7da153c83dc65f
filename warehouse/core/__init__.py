"""The ground floor: settings, the error users see, and the extract contract.

Everything else in the product imports from here; nothing here imports anything above.
"""
