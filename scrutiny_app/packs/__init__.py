"""Members on their own laptops: meeting packs made by the officer, opened and filled in
offline by the member, returned, and merged (Qt-free).

- :mod:`envelope`: the sealed file format (header in clear, AES-256-GCM payload);
- :mod:`export`: the officer makes a member's pack;
- :mod:`member`: the member's side (open, record views, write the return);
- :mod:`merge`: the officer previews and merges returns.
"""
