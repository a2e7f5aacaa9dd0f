"""Flask CLI commands (`flask seed-demo`, ...)."""

from __future__ import annotations

import json

import click
from flask import Flask

from app.extensions import db


@click.command("seed-demo")
@click.option("--json", "as_json", is_flag=True,
              help="Print only the credentials and event slug as JSON.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing when the database already has any user.")
def seed_demo_command(as_json: bool, if_empty: bool) -> None:
    """Create demo data: an organization, a venue, a published event with sessions, and a
    verified user for every role (organizer, gate, attendee, vendor, crew, admin).

    Every run sets new random passwords for the demo accounts and prints them; nothing else
    is duplicated, so running it twice is safe (the old passwords stop working).
    """
    from app.services.demo import database_has_users, seed_demo

    if if_empty and database_has_users():
        message = "The database already has users; demo data not seeded."
        if as_json:
            click.echo(message, err=True)
            click.echo(json.dumps({"skipped": True}))
        else:
            click.echo(message)
        return
    result = seed_demo()
    db.session.commit()
    payload = result.as_dict()
    if as_json:
        click.echo(json.dumps(payload))
        return
    click.echo(f"Demo event: /events/{payload['event']['slug']}")
    click.echo("Demo accounts (passwords are new on every run):")
    width = max(len(role) for role in payload["users"])
    for role, creds in payload["users"].items():
        click.echo(f"  {role:<{width}}  {creds['email']:<34}  {creds['password']}")


@click.command("run-periodic")
@click.option("--once", is_flag=True, help="Run the tasks that are due once, then exit.")
def run_periodic_command(once: bool) -> None:
    """Run the periodic tasks (expire holds and orders, sweep the outbox, reminders) in this
    process. For development without Redis; with Redis, `python worker.py` does this."""
    import time

    from app.scheduling import run_due_tasks

    while True:
        for name in run_due_tasks():
            click.echo(f"ran {name}")
        if once:
            return
        time.sleep(1)


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(run_periodic_command)
