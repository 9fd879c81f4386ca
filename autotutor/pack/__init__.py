"""The offline course pack: the tutorial's checkpoints by their Hub ids, with no network.

`autotutor pack install` builds it; `autotutor pack list` and `autotutor pack verify` show and check it.
Each entry's manifest says, file by file, what is real and what is a stand-in.
"""
