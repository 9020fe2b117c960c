"""The PDF renderer fetches nothing but data: URLs, whatever a template asks for."""

import http.server
import threading

from kithkin.web.pdf import pdf_of

# A 1x1 transparent PNG.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8A"
    "AAAASUVORK5CYII="
)


def test_a_pdf_fetches_nothing_from_a_server_or_the_disk():
    asked = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        html = (
            f'<link rel="stylesheet" href="{url}/style.css">'
            f'<style>@import url("{url}/more.css");</style>'
            f'<img src="{url}/pixel.png"><img src="file:///etc/passwd"><img src="{PIXEL}">'
            "<p>Text</p>"
        )
        data = pdf_of(html)
    finally:
        server.shutdown()
    assert data.startswith(b"%PDF-")
    assert asked == []
