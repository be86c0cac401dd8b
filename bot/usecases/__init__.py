"""Use-cases: each one database transaction through ``storage``, committed before anyone
is told; they never touch a transport, a web request or the command layer.
"""
