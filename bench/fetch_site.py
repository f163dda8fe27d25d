#!/usr/bin/env python3
"""Write the fetch benchmark's site: PAGES generated HTML articles, a robots.txt, an nginx
config serving them on 127.0.0.1:PORT (ETag and Last-Modified are nginx's defaults for static
files), and the URL list, spread round-robin over HOSTS loopback addresses (127.0.0.1 ...).

Spreading matters because pressgate is polite per host (at most one request start per 500 ms
to one host:port), so one host alone caps a crawl at about 2 pages/s by design.

Usage: fetch_site.py WORK_DIR [--pages 1000] [--hosts 250] [--port 18080] [--seed 7]
"""
import argparse
import html
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_corpus  # noqa: E402

NGINX_CONF = """\
worker_processes 2;
user root;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format bench '$remote_addr $host "$request" $status $body_bytes_sent '
                     'inm="$http_if_none_match" ims="$http_if_modified_since"';
    access_log {work}/access.log bench;
    types {{ text/html html; text/plain txt; }}
    default_type application/octet-stream;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    keepalive_requests 10000;
    server {{
        listen {port} reuseport;
        root {work}/site;
        etag on;
    }}
}}
"""


def page(i, rng):
    """One article as HTML: the generated Markdown's headings and paragraphs."""
    markdown = gen_corpus.article(i, rng)
    title = f"Article {i}"
    body = []
    for block in markdown.split("\n\n"):
        block = block.strip()
        if block.startswith("---") or not block:
            continue
        if block.startswith("# "):
            title = block[2:].strip()
            body.append(f"<h1>{html.escape(title)}</h1>")
        elif block.startswith("## "):
            body.append(f"<h2>{html.escape(block[3:].strip())}</h2>")
        else:
            body.append(f"<p>{html.escape(' '.join(block.split()))}</p>")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>"
        f"<meta name=\"description\" content=\"Benchmark page {i}\"></head>\n"
        "<body><nav><a href=\"/\">Home</a></nav><main><article>\n"
        + "\n".join(body)
        + "\n</article></main><footer>Generated for bench/fetch.sh</footer></body></html>\n"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work_dir")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=250)
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not 1 <= args.hosts <= 254:
        parser.error("--hosts must be 1-254 (127.0.0.1 to 127.0.0.254)")
    work = os.path.abspath(args.work_dir)
    site = os.path.join(work, "site")
    os.makedirs(os.path.join(site, "p"), exist_ok=True)
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    rng = random.Random(args.seed)
    total = 0
    for i in range(args.pages):
        text = page(i, rng)
        total += len(text.encode("utf-8"))
        with open(os.path.join(site, "p", f"{i:05d}.html"), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(site, "robots.txt"), "w", encoding="utf-8") as f:
        f.write("User-agent: *\nAllow: /\n")
    with open(os.path.join(work, "nginx.conf"), "w", encoding="utf-8") as f:
        f.write(NGINX_CONF.format(work=work, port=args.port))
    with open(os.path.join(work, "urls.txt"), "w", encoding="utf-8") as f:
        for i in range(args.pages):
            f.write(f"http://127.0.0.{1 + i % args.hosts}:{args.port}/p/{i:05d}.html\n")
    print(f"{args.pages} pages, {total} bytes, {args.hosts} hosts", file=sys.stderr)


if __name__ == "__main__":
    main()
