"""Review workflow: review queue, release and return, disputes, corrective actions, score rollup."""
