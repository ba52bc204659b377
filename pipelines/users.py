"""`python -m pipelines users`: accounts from the server's command line (first admin on a
headless install, a new password for an admin who forgot theirs)."""

from __future__ import annotations

import argparse
import getpass
import sys

from warehouse import accounts


def add_parser(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="list accounts, add one, or set a password")
    users.add_argument("action", choices=["list", "add", "password"])
    users.add_argument("username", nargs="?")
    users.add_argument("--role", choices=accounts.ROLES, default="manager")
    users.add_argument("--email", help="to sign in through OpenID Connect")
    users.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise accounts.InvalidAccount({"password": "the two passwords differ"})
    return first


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        for account in accounts.accounts():
            state = "" if account.active else " (switched off)"
            print(f"{account.username}\t{account.role}\t{account.email or ''}{state}")
        return 0
    if not args.username:
        print("name the account: python -m pipelines users add NAME --role viewer", file=sys.stderr)
        return 2
    try:
        if args.action == "add":
            # an account with an e-mail may sign in through OpenID Connect only
            wants_password = not args.email or args.password_stdin
            password = _password(args.password_stdin) if wants_password else None
            if accounts.needs_first_admin() and args.role == "admin":
                accounts.create_first_admin(args.username, password or "")
            else:
                accounts.create_account(
                    accounts.OPERATOR, args.username, args.role, password, email=args.email
                )
            print(f"{args.username} added as {args.role}")
        elif accounts.account(args.username) is None:
            print(f"no account {args.username!r}", file=sys.stderr)
            return 1
        else:
            accounts.set_password(accounts.OPERATOR, args.username, _password(args.password_stdin))
            print(f"new password set for {args.username}")
    except accounts.InvalidAccount as exc:
        for field, problem in exc.errors.items():
            print(f"{field}: {problem}", file=sys.stderr)
        return 1
    except accounts.NotAllowed as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0
