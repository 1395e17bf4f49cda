"""Protocol-level fakes of the services the campaign talks to: real servers on 127.0.0.1 that
answer as the real service does, so the real client libraries run unchanged against them."""
