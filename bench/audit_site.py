#!/usr/bin/env python3
"""Write the audit benchmark's site: PAGES generated articles on one host (each with a nav
bar, a byline linking to one of 20 author pages, 10 links to random other articles and, on
1% of pages, a broken link), a home page, a sitemap.xml, a robots.txt, the list of page URLs
and an nginx config serving it all on 127.0.0.1:PORT.

Usage: audit_site.py WORK_DIR [--pages 10000] [--port 18090] [--seed 11]
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
    access_log {work}/access.log;
    types {{ text/html html; text/plain txt; application/xml xml; }}
    default_type application/octet-stream;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    keepalive_requests 100000;
    server {{
        listen {port} reuseport;
        root {work}/site;
    }}
}}
"""

AUTHORS = 20


def article(i, pages, rng):
    markdown = gen_corpus.article(i, rng)
    title = f"Article {i}"
    body = []
    for block in markdown.split("\n\n"):
        block = block.strip()
        if block.startswith("---") or not block:
            continue
        if block.startswith("# "):
            title = f"{block[2:].strip()} ({i})"
            body.append(f"<h1>{html.escape(title)}</h1>")
        elif block.startswith("## "):
            body.append(f"<h2>{html.escape(block[3:].strip())}</h2>")
        else:
            body.append(f"<p>{html.escape(' '.join(block.split()))}</p>")
    author = i % AUTHORS
    related = "".join(
        f'<li><a href="/p/{j:05d}.html">Related article {j}</a></li>'
        for j in rng.sample(range(pages), 10)
    )
    broken = f'<p><a href="/p/missing-{i}.html">An old article</a></p>' if i % 100 == 7 else ""
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>"
        f"<meta name=\"description\" content=\"Benchmark article number {i} about the topic "
        f"of its title, written for the audit benchmark of pressgate.\"></head>\n"
        '<body><nav><a href="/">Home</a> <a href="/authors/">Authors</a></nav><main><article>\n'
        f'<p class="byline">By <a rel="author" href="/authors/{author}.html">Author {author}</a></p>\n'
        + "\n".join(body)
        + f"\n{broken}<ul>{related}</ul></article></main></body></html>\n"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work_dir")
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    work = os.path.abspath(args.work_dir)
    site = os.path.join(work, "site")
    for d in ("p", "authors"):
        os.makedirs(os.path.join(site, d), exist_ok=True)
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    rng = random.Random(args.seed)
    base = f"http://127.0.0.1:{args.port}"
    total = 0
    for i in range(args.pages):
        text = article(i, args.pages, rng)
        total += len(text.encode("utf-8"))
        with open(os.path.join(site, "p", f"{i:05d}.html"), "w", encoding="utf-8") as f:
            f.write(text)
    page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head><body><main><h1>{t}</h1>{b}</main></body></html>\n"
    for a in range(AUTHORS):
        with open(os.path.join(site, "authors", f"{a}.html"), "w", encoding="utf-8") as f:
            f.write(page.format(t=f"Author {a}", b=f"<p>Author {a} writes about cities.</p>"))
    with open(os.path.join(site, "authors", "index.html"), "w", encoding="utf-8") as f:
        links = "".join(f'<li><a href="/authors/{a}.html">Author {a}</a></li>' for a in range(AUTHORS))
        f.write(page.format(t="Our authors", b=f"<ul>{links}</ul>"))
    with open(os.path.join(site, "index.html"), "w", encoding="utf-8") as f:
        links = "".join(f'<li><a href="/p/{i:05d}.html">Article {i}</a></li>' for i in range(min(50, args.pages)))
        f.write(page.format(t="Benchmark site home", b=f"<ul>{links}</ul>"))
    with open(os.path.join(site, "robots.txt"), "w", encoding="utf-8") as f:
        f.write("User-agent: *\nAllow: /\n")
    with open(os.path.join(site, "sitemap.xml"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        f.write(f"<url><loc>{base}/</loc></url>\n")
        for i in range(args.pages):
            f.write(f"<url><loc>{base}/p/{i:05d}.html</loc></url>\n")
        f.write("</urlset>\n")
    with open(os.path.join(work, "urls.txt"), "w", encoding="utf-8") as f:
        f.write(f"{base}/\n")
        for i in range(args.pages):
            f.write(f"{base}/p/{i:05d}.html\n")
    with open(os.path.join(work, "nginx.conf"), "w", encoding="utf-8") as f:
        f.write(NGINX_CONF.format(work=work, port=args.port))
    print(f"{args.pages} pages, {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
