"""References to stored bytes. Events carry these, never the media itself."""

from pydantic import BaseModel, ConfigDict, Field


class BlobRef(BaseModel):
    """A content-addressed blob: the sha256 names it, the uri says where to fetch it."""

    model_config = ConfigDict(frozen=True)

    uri: str = Field(description="Where the bytes live, e.g. blob://sha256/<hex> or s3://bucket/key")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, description="Size in bytes")
    media_type: str = Field(description="IANA media type, e.g. video/mp4")
