"""Weekly and quarterly digests (issue 17), run as `python -m dashboard.digest` (what
`pulse digest` execs): `content` reads the marts for one recipient under the dashboard's
access rules, `charts` draws PNGs, `render` writes the HTML, `output` prints the PDF
and mails both."""
