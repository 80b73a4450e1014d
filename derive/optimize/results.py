"""A list of result points with the shared behaviour of every result object."""


class ResultList:
    """Iterable, indexable results (critical points, KKT points) with ``.points``."""

    points: list

    def __iter__(self):
        return iter(self.points)

    def __len__(self):
        return len(self.points)

    def __getitem__(self, i):
        return self.points[i]
