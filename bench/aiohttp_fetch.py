#!/usr/bin/python3
"""The seed-style fetcher, as a peer for fetch-bench.sh: asyncio + aiohttp, a semaphore of -j.

usage: aiohttp_fetch.py [-j N] [--timeout SECONDS] URLFILE
Reads one URL per line, fetches all of them (bodies read and dropped), and exits 0 only if every
one answered 2xx. Proxies from the environment are ignored (trust_env=False).
"""
import argparse
import asyncio
import sys

import aiohttp


async def fetch(session, sem, url):
    async with sem:
        try:
            async with session.get(url) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            print(f"{url}: {error!r}", file=sys.stderr)
            return None


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-j", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("urlfile")
    args = parser.parse_args()
    with open(args.urlfile) as f:
        urls = [line.strip() for line in f if line.strip() and not line.startswith("#")]

    sem = asyncio.Semaphore(args.j)
    connector = aiohttp.TCPConnector(limit=args.j)
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False) as session:
        statuses = await asyncio.gather(*(fetch(session, sem, url) for url in urls))
    bad = sum(1 for s in statuses if s is None or not 200 <= s < 300)
    if bad:
        print(f"aiohttp_fetch: {bad} of {len(urls)} failed", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
