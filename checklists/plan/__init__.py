"""The care plan's checklists: the library, assignments, items, the rule of when an item is due, adherence."""
