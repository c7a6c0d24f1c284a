"""Backends for the ports, one package per engine, chosen by URL in vaxbook.bootstrap."""
