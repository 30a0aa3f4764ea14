"""Start the service: ``python -m api [--host 127.0.0.1] [--port 8000]`` (``make serve``)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from api.app import create_app


def main(argv: list[str] | None = None) -> None:
    """Run uvicorn on the app built from the environment's settings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
