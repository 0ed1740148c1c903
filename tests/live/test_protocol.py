"""The live protocol's replies: built through their models, read back through them."""

import numpy as np
import orjson

from app.api.live_parts import dumps, error_frame
from app.live.protocol import REPLY, ErrorReply, Frame, Loaded
from app.schemas import plain
from tests.live.test_session import _session


def test_every_reply_reads_back_through_the_documented_models() -> None:
    """What the socket sends is what docs/live_replies.schema.json describes."""
    s = _session()
    frame = s.advance()
    assert frame is not None
    replies = [s.summary(), frame, s.end(), s.paused()]
    replies.append(error_frame("session", "no", code="no_scenario_loaded", field="position"))
    for reply in replies:
        text = dumps(reply, "b")
        back = REPLY.validate_json(text)
        assert type(back) is type(reply) and back.slot == "b"
        assert plain(back, arrays=True).keys() == orjson.loads(text).keys()
    loaded = REPLY.validate_json(dumps(replies[0]))
    assert isinstance(loaded, Loaded) and loaded.steps == 10 and len(loaded.batches) == 2
    back_frame = REPLY.validate_json(dumps(frame))
    assert isinstance(back_frame, Frame)
    np.testing.assert_array_equal(back_frame.layers[0].h, frame.layers[0].h)
    error = REPLY.validate_json(dumps(replies[-1]))
    assert isinstance(error, ErrorReply) and error.model_extra == {"field": "position"}


def test_commands_are_checked_field_by_field() -> None:
    from pydantic import ValidationError

    from app.live.protocol import COMMAND, Step

    step = COMMAND.validate_json('{"type": "step", "count": 3, "slot": "b"}')
    assert isinstance(step, Step) and step.count == 3 and step.slot == "b"
    for bad in ('{"type": "step", "count": 0}', '{"type": "step", "counts": 1}', '{"type": "x"}'):
        try:
            COMMAND.validate_json(bad)
        except ValidationError:
            continue
        raise AssertionError(f"accepted {bad}")
