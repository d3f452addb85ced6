"""serve waits for its port instead of failing while a killed server's workers stop."""

from __future__ import annotations

import socket
import threading

from services.runtime import wait_for_port


def test_a_port_held_by_a_listener_is_waited_for_until_it_is_released() -> None:
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        assert wait_for_port("127.0.0.1", port, 0.3) is False
        release = threading.Timer(0.3, holder.close)
        release.start()
        assert wait_for_port("127.0.0.1", port, 10) is True
        release.join()
    finally:
        holder.close()
