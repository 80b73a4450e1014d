"""placeholder"""
def stable(expr):
    return expr
