"""Head-office analytics: figures from the score rollup, statistics, CSV/XLSX exports."""
