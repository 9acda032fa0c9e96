"""Platform webhooks: the receiver (`ruche webhooks serve`) and its durable hand-off.

`app.py` is the ASGI app Meta posts to (verification handshake, `X-Hub-Signature-256`, a body
limit); `queue.py` puts each accepted delivery on a Redis stream, or in a local fsync'd spool
while Redis is unreachable, and replays the spool onto the stream exactly once, in order.
README, "Comments in minutes (webhooks)", says what a deployment needs.
"""
