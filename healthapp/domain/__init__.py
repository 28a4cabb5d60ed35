"""Pure rules with no I/O: clinical classification, units, exercise MET values, statistics and
the errors every layer raises. Imports nothing from healthapp outside this package."""
