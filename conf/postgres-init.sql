-- Creates the three state databases next to the primary one (docker-compose first start).
CREATE DATABASE traffic_stops_nc OWNER traffic_stops;
CREATE DATABASE traffic_stops_md OWNER traffic_stops;
CREATE DATABASE traffic_stops_il OWNER traffic_stops;
