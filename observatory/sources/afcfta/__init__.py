"""AfCFTA schedules of tariff concessions, rules of origin, and the home country's other
agreements as tariff schedules (analysts' files; no public API)."""
