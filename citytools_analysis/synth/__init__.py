"""The synthetic world: scenario, true London, typed returns, registers, the mess, and recovery against the truth."""
