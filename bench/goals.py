"""The goals of issue 25 and the table the benches print: measure | goal | figure | met?.

Each bench prints the rows of what it measures, with the machine's load (ratios from one run on the same server
are the figures to judge; a loaded host slows the absolute ones):

    from bench.goals import goal_table
    goal_table([("statements", "8 / 7", 8 <= 8 and 7 <= 12)])
"""
import os

GOALS = {
    "served": ("signed-in 20-row list ÷ bare static file, gunicorn 2 workers", "≥ 0.10"),
    "in-process": ("in-process list page / dashboard (slowest list, median ms)", "≤ 6 ms / ≤ 15 ms"),
    "statements": ("SQL statements: list / dashboard (most of any)", "≤ 8 / ≤ 12"),
    "pdf-storm": ("list p99 while 4 clients download PDFs ÷ idle", "≤ 1.5"),
    "executive": ("unchanged executive report, 2nd download ÷ 1st, any worker", "≤ 0.05"),
    "mixed-sqlite": ("50 users mixed load, SQLite default: p95 reads", "< 200 ms, 0 errors"),
    "mixed-two-hosts": ("same on PostgreSQL + Redis, two web instances + worker", "< 300 ms, 0 errors"),
}


def goal_table(rows: list[tuple[str, str, bool]]) -> None:
    """Print rows of (goal key, figure, met) as the issue's table."""
    print(f"\nGoals (issue 25), load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores:")
    print("| measure | goal | figure | met? |")
    print("|---|---|---|---|")
    for key, figure, met in rows:
        measure, goal = GOALS[key]
        print(f"| {measure} | {goal} | {figure} | {'yes' if met else 'no'} |")
