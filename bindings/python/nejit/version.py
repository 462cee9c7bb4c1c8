"""nejit's version, laid out like numexpr.version."""

import platform as _platform

version = "0.1.0"
__version__ = version
#: The numexpr release whose API and behaviour nejit follows.
numexpr_compat_version = "2.14.2"
platform_machine = _platform.machine()
